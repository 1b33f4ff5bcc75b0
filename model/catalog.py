"""The scope catalog: products, rows and the paid-service text, loaded strictly from YAML."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from model.errors import CatalogError

IN_SCOPE = "in_scope"
OUT_OF_SCOPE = "out_of_scope"
MIXED = "mixed"  # a message with two requests whose verdicts differ; its parts carry the verdicts
UNSURE = "unsure"
NONE_LABEL = "none"  # not a support request at all
OTHER_LABEL = "other"  # a real request that no row of the tables covers
PSEUDO_LABELS = (OTHER_LABEL, NONE_LABEL)
VERDICTS = (IN_SCOPE, OUT_OF_SCOPE)
LANGUAGES = ("de", "en")
# Why a verdict is `unsure`.
NOT_A_REQUEST = "not_a_request"
NOT_COVERED = "not_covered"
LOW_CONFIDENCE = "low_confidence"
REASONS = (NOT_A_REQUEST, NOT_COVERED, LOW_CONFIDENCE)


@dataclass(frozen=True)
class Product:
    id: str
    name: str


@dataclass(frozen=True)
class Row:
    id: str
    product: str
    title_de: str
    title_en: str
    verdict: str
    description_de: str
    description_en: str

    def title(self, lang: str) -> str:
        """Title in `lang` ("de" or "en")."""
        return self.title_de if lang == "de" else self.title_en

    def description(self, lang: str) -> str:
        """One-sentence description in `lang` ("de" or "en")."""
        return self.description_de if lang == "de" else self.description_en


@dataclass(frozen=True)
class PaidService:
    title: dict[str, str]
    text: dict[str, str]
    criteria: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Catalog:
    products: tuple[Product, ...]
    rows: tuple[Row, ...]
    other_row: Row
    none_row: Row
    paid_service: PaidService
    source: str

    @property
    def labels(self) -> tuple[str, ...]:
        """Every label the classifier may predict: all row ids, then `other` and `none`."""
        return (*(r.id for r in self.rows), OTHER_LABEL, NONE_LABEL)

    def row(self, label: str) -> Row:
        """The row (or the `other` / `none` pseudo-row) for `label`; CatalogError if unknown."""
        if label == NONE_LABEL:
            return self.none_row
        if label == OTHER_LABEL:
            return self.other_row
        for r in self.rows:
            if r.id == label:
                return r
        raise CatalogError(f"{self.source}: unknown row id {label!r}")

    def product(self, product_id: str) -> Product:
        """The product with `product_id`; CatalogError if unknown."""
        for p in self.products:
            if p.id == product_id:
                return p
        raise CatalogError(f"{self.source}: unknown product {product_id!r}")

    def product_name(self, row: Row) -> str:
        """Name of the row's product ("" for the `other` and `none` pseudo-rows)."""
        return self.product(row.product).name if row.product else ""

    def rows_of(self, product_id: str) -> tuple[Row, ...]:
        """The rows of one product, in catalog order."""
        return tuple(r for r in self.rows if r.product == product_id)

    def label_info(self) -> dict[str, dict[str, str]]:
        """label -> {product, verdict}: what a trained model needs to aggregate verdicts."""
        info = {r.id: {"product": r.product, "verdict": r.verdict} for r in self.rows}
        for label in PSEUDO_LABELS:
            info[label] = {"product": "", "verdict": UNSURE}
        return info


def _require(mapping: Any, key: str, where: str, kind: type = str) -> Any:
    if not isinstance(mapping, dict) or key not in mapping:
        raise CatalogError(f"{where}: missing key {key!r}")
    value = mapping[key]
    if not isinstance(value, kind) or (isinstance(value, str) and not value.strip()):
        raise CatalogError(f"{where}: key {key!r} must be a non-empty {kind.__name__}")
    return value


def _lang_map(mapping: Any, key: str, where: str) -> dict[str, Any]:
    value = _require(mapping, key, where, dict)
    for lang in LANGUAGES:
        if lang not in value or not value[lang]:
            raise CatalogError(f"{where}: key {key}.{lang} is missing or empty")
    return value


def parse_catalog(data: Any, source: str) -> Catalog:
    """Validate already-parsed YAML; every error names `source` and the offending key."""
    if not isinstance(data, dict):
        raise CatalogError(f"{source}: top level must be a mapping")
    products = []
    for i, p in enumerate(_require(data, "products", source, list)):
        where = f"{source}: products[{i}]"
        products.append(Product(id=_require(p, "id", where), name=_require(p, "name", where)))
    product_ids = [p.id for p in products]
    if len(set(product_ids)) != len(product_ids):
        raise CatalogError(f"{source}: duplicate product id in 'products'")

    rows: list[Row] = []
    seen: set[str] = set()
    for i, r in enumerate(_require(data, "rows", source, list)):
        where = f"{source}: rows[{i}]"
        row_id = _require(r, "id", where)
        where = f"{source}: rows[{i}] ({row_id})"
        if row_id in seen:
            raise CatalogError(f"{where}: duplicate row id {row_id!r}")
        if row_id in PSEUDO_LABELS:
            raise CatalogError(f"{where}: row id {row_id!r} is reserved")
        seen.add(row_id)
        product = _require(r, "product", where)
        if product not in product_ids:
            raise CatalogError(f"{where}: key 'product' names unknown product {product!r}")
        verdict = _require(r, "verdict", where)
        if verdict not in VERDICTS:
            raise CatalogError(f"{where}: key 'verdict' must be one of {', '.join(VERDICTS)}, not {verdict!r}")
        rows.append(
            Row(
                id=row_id,
                product=product,
                title_de=_require(r, "title_de", where),
                title_en=_require(r, "title_en", where),
                verdict=verdict,
                description_de=_require(r, "description_de", where),
                description_en=_require(r, "description_en", where),
            )
        )
    if not rows:
        raise CatalogError(f"{source}: key 'rows' is empty")

    other_row = _pseudo_row(data, "other_label", OTHER_LABEL, source)
    none_row = _pseudo_row(data, "none_label", NONE_LABEL, source)

    ps = _require(data, "paid_service", source, dict)
    where = f"{source}: paid_service"
    criteria = _lang_map(ps, "criteria", where)
    paid = PaidService(
        title=dict(_lang_map(ps, "title", where)),
        text=dict(_lang_map(ps, "text", where)),
        criteria={lang: tuple(criteria[lang]) for lang in LANGUAGES},
    )
    return Catalog(
        products=tuple(products),
        rows=tuple(rows),
        other_row=other_row,
        none_row=none_row,
        paid_service=paid,
        source=source,
    )


def _pseudo_row(data: Any, key: str, label: str, source: str) -> Row:
    """The `other` or `none` entry: a label with titles and descriptions but no product and no verdict."""
    entry = _require(data, key, source, dict)
    where = f"{source}: {key}"
    if _require(entry, "id", where) != label:
        raise CatalogError(f"{where}: key 'id' must be {label!r}")
    return Row(
        id=label,
        product="",
        title_de=_require(entry, "title_de", where),
        title_en=_require(entry, "title_en", where),
        verdict=UNSURE,
        description_de=_require(entry, "description_de", where),
        description_en=_require(entry, "description_en", where),
    )


def load_catalog(path: Path | str) -> Catalog:
    """Load and validate the catalog YAML at `path` (yaml.safe_load, then strict checks)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read catalog ({exc.strerror})") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: invalid YAML ({exc})") from exc
    return parse_catalog(data, str(path))
