"""lir_core is usable on its own: importing it (and its CLI) loads neither Prefect nor DVC; and
``import lir_core``, ``lir --help`` and the light flows load no torch or transformers."""

import json
import subprocess
import sys
import textwrap

HEAVY = ("torch", "transformers", "lightning", "faiss")


def test_lir_core_imports_neither_prefect_nor_dvc() -> None:
    # lir_core.lightning_cli resolves every lazy name of lir_core and imports every index family.
    code = (
        "import sys, lir_core, lir_core.cli, lir_core.lightning_cli, lir_core.retrieve, lir_core.evaluate\n"
        "import lir_core.loss\n"
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


def test_light_entry_points_import_no_torch_or_transformers() -> None:
    """``import lir_core``, ``lir --help`` and the load / BM25 / evaluate flows' modules leave
    torch, transformers, Lightning and faiss unimported (they cost seconds per process)."""
    code = textwrap.dedent(f"""
        import json, sys
        heavy = lambda: sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})
        seen = {{}}
        import lir_core, lir_core.data, lir_core.evaluate, lir_core.retrieve
        dir(lir_core)
        seen['import lir_core'] = heavy()
        from lir_core.cli import main
        try:
            main(['--help'])
        except SystemExit as exit:
            assert exit.code == 0, exit.code
        seen['lir --help'] = heavy()
        import flows.load_dataset, flows.index, flows.search, flows.evaluate
        seen['flows'] = heavy()
        print(json.dumps(seen))
    """)
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seen = json.loads(output.stdout.strip().splitlines()[-1])
    assert seen == {"import lir_core": [], "lir --help": [], "flows": []}


def test_params_are_checked_against_the_config_classes_without_loading_models_or_indexes() -> None:
    """Every ``config:`` of the main job's params is parsed into its lir_core class from modules that
    need no transformers, Lightning or faiss (its losses still need torch)."""
    code = textwrap.dedent(f"""
        import json, sys
        from flows.params import load_params
        load_params('params/scifact.yaml')
        print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY[1:]!r})))
    """)
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(output.stdout.strip().splitlines()[-1]) == []


def test_lazy_exports_resolve_like_eager_imports() -> None:
    import importlib

    import lir_core
    import lir_core.data
    import lir_core.retrieve

    packages = [lir_core, lir_core.data, lir_core.retrieve, *map(importlib.import_module, (
        "lir_core.evaluate", "lir_core.retrieve.faiss", "lir_core.retrieve.plaid", "lir_core.retrieve.sparse"))]
    for package in packages:
        assert sorted(package.__all__) == sorted(package._lazy_exports)
        assert set(package.__all__) <= set(dir(package))
        for name in package.__all__:
            assert getattr(package, name) is not None, (package.__name__, name)
    # A submodule named like an exported function does not shadow it once imported.
    importlib.import_module("lir_core.data.collate")
    importlib.import_module("lir_core.retrieve.search")
    assert callable(lir_core.data.collate) and not isinstance(lir_core.data.collate, type(lir_core))
    assert lir_core.retrieve.search is importlib.import_module("lir_core.retrieve.search").search
    from lir_core.retrieve import search

    assert search is lir_core.search
    try:
        lir_core.NoSuchName  # noqa: B018
    except AttributeError as error:
        assert "NoSuchName" in str(error)
    else:
        raise AssertionError("an unknown name must raise AttributeError")


def test_model_code_is_one_constant() -> None:
    """tasks.search and tasks.re_rank name the model code through tasks.code_versions (no torch);
    tasks.encode_shard's copy must stay the same tuple."""
    import tasks.encode_shard
    from tasks.code_versions import MODEL_CODE

    assert tasks.encode_shard.MODEL_CODE == MODEL_CODE
