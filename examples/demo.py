"""The main demonstration: the seed notebook's first sections, run one after another.

    python examples/demo.py
"""
import pathlib
import runpy

HERE = pathlib.Path(__file__).parent
SECTIONS = ["adding_two_scalars", "adding_two_matrices", "shared_variables", "graph_structures"]

for section in SECTIONS:
    print(f"\n=== {section.replace('_', ' ')} ===")
    runpy.run_path(str(HERE / f"{section}.py"), run_name="__main__")
