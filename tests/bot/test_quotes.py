"""bot.quotes: validating the quote modal, field by field (errors keyed by the modal's block ids)."""

import pytest

from bot import blocks
from bot.errors import ValidationError
from bot.quotes import QuoteForm, validate_quote_form
from bot.texts import t

VALID = {
    blocks.BLOCK_QUOTE_WHAT: "  Please install PyTorch and JupyterLab on our H100 VM  ",
    blocks.BLOCK_QUOTE_PRODUCT: "cloudgpu",
    blocks.BLOCK_QUOTE_TIMELINE: " next week ",
    blocks.BLOCK_QUOTE_CONTACT: " ops@example.com ",
}


def errors_of(values, catalog, lang="en"):
    with pytest.raises(ValidationError) as caught:
        validate_quote_form(values, catalog=catalog, lang=lang)
    return caught.value.fields


def test_valid_form_is_returned_stripped(catalog):
    assert validate_quote_form(VALID, catalog=catalog, lang="en") == QuoteForm(
        what="Please install PyTorch and JupyterLab on our H100 VM", product="cloudgpu", timeline="next week", contact="ops@example.com"
    )


@pytest.mark.parametrize("lang", ["en", "de"])
def test_empty_form_names_every_block_in_the_users_language(lang, catalog):
    assert errors_of({}, catalog, lang) == {
        blocks.BLOCK_QUOTE_WHAT: t(lang, "err_what"),
        blocks.BLOCK_QUOTE_PRODUCT: t(lang, "err_product"),
        blocks.BLOCK_QUOTE_TIMELINE: t(lang, "err_timeline"),
        blocks.BLOCK_QUOTE_CONTACT: t(lang, "err_contact"),
    }


@pytest.mark.parametrize(
    ("block_id", "bad_value"),
    [
        (blocks.BLOCK_QUOTE_WHAT, "too short"),
        (blocks.BLOCK_QUOTE_WHAT, "   short        "),
        (blocks.BLOCK_QUOTE_PRODUCT, "aws"),
        (blocks.BLOCK_QUOTE_PRODUCT, ""),
        (blocks.BLOCK_QUOTE_TIMELINE, "   "),
        (blocks.BLOCK_QUOTE_CONTACT, "call me"),
        (blocks.BLOCK_QUOTE_CONTACT, "ops@localhost"),
        (blocks.BLOCK_QUOTE_CONTACT, "12 34"),
    ],
)
def test_one_bad_field_is_the_only_error(block_id, bad_value, catalog):
    assert list(errors_of({**VALID, block_id: bad_value}, catalog)) == [block_id]


@pytest.mark.parametrize("contact", ["ops@example.com", "Jane <jane.doe@firma.de>", "+49 911 123456", "0911/123-456", "(0911) 12345"])
def test_email_addresses_and_phone_numbers_are_accepted_as_contact(contact, catalog):
    assert validate_quote_form({**VALID, blocks.BLOCK_QUOTE_CONTACT: contact}, catalog=catalog, lang="en").contact == contact


def test_every_catalog_product_is_accepted(catalog):
    for product in catalog.products:
        assert validate_quote_form({**VALID, blocks.BLOCK_QUOTE_PRODUCT: product.id}, catalog=catalog, lang="en").product == product.id
