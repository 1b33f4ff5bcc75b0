import copy

import pytest
import yaml

from bot.settings import PROJECT_ROOT
from model.catalog import IN_SCOPE, OUT_OF_SCOPE, load_catalog, parse_catalog
from model.errors import CatalogError

CATALOG = PROJECT_ROOT / "training_data" / "catalog.yml"
REQUIRED_IDS = [
    "cstack.ui",
    "cstack.account",
    "cstack.orders",
    "cstack.plan_setup",
    "cstack.deploy_instances_k8s",
    "cstack.deploy_networks",
    "cstack.administration",
    "cstack.app_troubleshooting",
    "cloudgpu.ui",
    "cloudgpu.account",
    "cloudgpu.orders",
    "cloudgpu.vm_setup",
    "cloudgpu.third_party_frameworks",
    "cloudgpu.custom_code",
    "cloudgpu.security_incidents",
    "cloudgpu.third_party_interfaces",
]


@pytest.fixture
def raw():
    return yaml.safe_load(CATALOG.read_text(encoding="utf-8"))


def test_catalog_has_the_contract_row_ids_and_seed_verdicts(catalog):
    assert [r.id for r in catalog.rows] == REQUIRED_IDS
    assert catalog.labels[-1] == "none"
    verdicts = {r.id: r.verdict for r in catalog.rows}
    assert verdicts["cstack.plan_setup"] == IN_SCOPE and verdicts["cstack.deploy_instances_k8s"] == OUT_OF_SCOPE
    assert verdicts["cloudgpu.vm_setup"] == IN_SCOPE and verdicts["cloudgpu.third_party_frameworks"] == OUT_OF_SCOPE


def test_german_titles_are_the_seed_tables_words(catalog):
    seeds = "".join(p.read_text(encoding="utf-8") for p in (PROJECT_ROOT.parent / "shared" / "seeds").glob("*.txt"))
    if not seeds:
        pytest.skip("seed tables not beside the checkout")
    for row in catalog.rows:
        assert f"| {row.title_de} " in seeds, row.id


def test_duplicate_row_id_is_named(raw):
    raw["rows"].append(copy.deepcopy(raw["rows"][0]))
    with pytest.raises(CatalogError, match=r"catalog\.yml: rows\[16\] \(cstack\.ui\): duplicate row id 'cstack\.ui'"):
        parse_catalog(raw, "catalog.yml")


def test_missing_key_names_file_and_key(raw):
    del raw["rows"][3]["title_en"]
    with pytest.raises(CatalogError, match=r"x\.yml: rows\[3\] \(cstack\.plan_setup\): missing key 'title_en'"):
        parse_catalog(raw, "x.yml")


def test_bad_verdict_and_unknown_product_are_named(raw):
    bad = copy.deepcopy(raw)
    bad["rows"][0]["verdict"] = "maybe"
    with pytest.raises(CatalogError, match="key 'verdict' must be one of in_scope, out_of_scope"):
        parse_catalog(bad, "c.yml")
    raw["rows"][0]["product"] = "mainframe"
    with pytest.raises(CatalogError, match="unknown product 'mainframe'"):
        parse_catalog(raw, "c.yml")


def test_reserved_none_id_and_missing_paid_service_language(raw):
    bad = copy.deepcopy(raw)
    bad["rows"][0]["id"] = "none"
    with pytest.raises(CatalogError, match="reserved"):
        parse_catalog(bad, "c.yml")
    del raw["paid_service"]["text"]["en"]
    with pytest.raises(CatalogError, match=r"paid_service: key text\.en is missing"):
        parse_catalog(raw, "c.yml")


def test_load_catalog_reports_unreadable_and_invalid_yaml(tmp_path):
    with pytest.raises(CatalogError, match="cannot read catalog"):
        load_catalog(tmp_path / "missing.yml")
    broken = tmp_path / "broken.yml"
    broken.write_text("rows: [unclosed", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"broken\.yml: invalid YAML"):
        load_catalog(broken)


def test_yaml_tags_are_not_executed(tmp_path):
    evil = tmp_path / "evil.yml"
    evil.write_text("products: !!python/object/apply:os.system ['true']\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="invalid YAML"):
        load_catalog(evil)
