"""The main demonstration: the seed notebooks' sections, run one after another
(the training examples, logistic_regression.py and mnist_logistic.py, run on their own).

    python examples/demo.py
"""
import pathlib
import runpy

HERE = pathlib.Path(__file__).parent
SECTIONS = ["adding_two_scalars", "adding_two_matrices", "shared_variables", "graph_structures",
            "derivatives", "scan_tutorial"]

for section in SECTIONS:
    print(f"\n=== {section.replace('_', ' ')} ===")
    runpy.run_path(str(HERE / f"{section}.py"), run_name="__main__")
