"""Python jsonschema's verdict on every (schema, document) pair of a corpus: a second opinion.

Usage: verdicts.py CORPUS.json  ->  prints a JSON list of booleans, one per case.
Draft 2020-12 unless a schema says otherwise; formats are annotations, as in kzrender.
"""
import json
import sys

import jsonschema

cases = json.load(open(sys.argv[1]))
verdicts = []
for case in cases:
    cls = jsonschema.validators.validator_for(case["schema"], default=jsonschema.Draft202012Validator)
    verdicts.append(cls(case["schema"]).is_valid(case["doc"]))
print(json.dumps(verdicts))
