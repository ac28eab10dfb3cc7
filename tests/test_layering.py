"""lir_core is usable on its own: importing it (and its CLI) loads neither Prefect nor DVC."""

import subprocess
import sys


def test_lir_core_imports_neither_prefect_nor_dvc() -> None:
    code = (
        "import sys, lir_core, lir_core.cli, lir_core.retrieve, lir_core.evaluate, lir_core.loss\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('prefect', 'dvc')))"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert output.stdout.strip() == "[]"


def test_paper_names_are_exported() -> None:
    import lir_core

    for name in ("BiEncoderModule", "CrossEncoderModule", "DocDataset", "QueryDataset", "TupleDataset",
                 "RunDataset", "LightningIRDataModule", "LightningIRTrainer", "IndexCallback", "SearchCallback",
                 "FaissFlatIndexConfig", "FaissFlatIndexer", "FaissSearchConfig", "BiEncoderConfig"):
        assert hasattr(lir_core, name), name
