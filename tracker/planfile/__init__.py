"""The plan file: the plan's text as data (README.md, "The plan file format").

- `schema`: the data a plan file holds, and its errors;
- `fields`: reading YAML nodes into typed fields, every error naming its line;
- `reader`: reading and validating a whole file (`read_plan_file`, `read_plan_text`);
- `writer`: writing it back (`dump_plan_file`), so that load → export → load is lossless;
- `loading`: putting a validated file into the database (`load_plan_file`);
- `export`: reading a plan out of the database as a file (`plan_to_file`).
"""
