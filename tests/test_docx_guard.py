"""extractors/docx.py refuses a part that declares a DOCTYPE or entities (defusedxml's parser
reads the prolog), and lets an ordinary part through without reading past its root element."""
from __future__ import annotations

import io

import pytest

from extractors import docx
from extractors.errors import ExtractionError
from tests.hostile_files import DOC_NS, billion_laughs_document_xml, docx_with_document_xml, xxe_document_xml

PLAIN = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document ' + DOC_NS.encode()
         + b'><w:body><w:p><w:r><w:t>\xe7\xbb\xa9\xe6\x95\x88</w:t></w:r></w:p></w:body></w:document>')


@pytest.mark.parametrize("xml", [
    xxe_document_xml(),
    billion_laughs_document_xml(),
    billion_laughs_document_xml(prolog_padding=200_000),   # the DOCTYPE after several read chunks
    billion_laughs_document_xml(utf16=True),
    b'<!DOCTYPE w:document>\n' + PLAIN.split(b"\n", 1)[1],   # a bare DOCTYPE, no entities
], ids=["xxe", "laughs", "laughs_padded", "laughs_utf16", "bare_doctype"])
def test_a_part_declaring_a_doctype_or_entities_is_hostile(xml):
    assert docx._declares_entities(io.BytesIO(xml)) is True


@pytest.mark.parametrize("xml", [PLAIN, PLAIN.decode().encode("utf-16"), b"\xef\xbb\xbf" + PLAIN,
                                 PLAIN.replace(b"\n", b"\n<!-- " + b"c" * 100_000 + b" -->\n", 1)],
                         ids=["utf8", "utf16", "bom", "long_comment"])
def test_an_ordinary_part_is_not_hostile(xml):
    assert docx._declares_entities(io.BytesIO(xml)) is False


def test_the_root_element_ends_the_read_so_a_huge_body_is_not_parsed():
    class Counting(io.BytesIO):
        reads = 0

        def read(self, n=-1):
            Counting.reads += 1
            return super().read(n)
    body = PLAIN.replace(b"<w:body>", b"<w:body>" + b"<w:p/>" * 200_000)
    assert docx._declares_entities(Counting(body)) is False
    assert Counting.reads == 1


def test_a_prolog_longer_than_the_limit_is_refused():
    xml = b'<?xml version="1.0"?>\n<!--' + b"x" * (docx.MAX_PROLOG + 10) + b"-->" + PLAIN.split(b"\n", 1)[1]
    assert docx._declares_entities(io.BytesIO(xml)) is True


def test_check_zip_names_the_part_that_declares_entities(tmp_path):
    f = tmp_path / "x.docx"
    f.write_bytes(docx_with_document_xml(xxe_document_xml()))
    with pytest.raises(ExtractionError, match="word/document.xml declares XML entities"):
        docx.check_zip(f)


def test_a_doctype_in_a_part_declared_in_an_encoding_expat_lacks_is_still_hostile():
    gbk = xxe_document_xml().replace(b'encoding="UTF-8"', b'encoding="GBK"')
    assert docx._declares_entities(io.BytesIO(gbk)) is True
    plain = PLAIN.replace(b'encoding="UTF-8"', b'encoding="GBK"')
    assert docx._declares_entities(io.BytesIO(plain)) is False


def test_a_part_that_is_not_xml_is_left_to_python_docx_to_call_damaged():
    assert docx._declares_entities(io.BytesIO(b"\x00\x01 not xml at all")) is False


@pytest.mark.parametrize("enc", [b"Shift_JIS", b"no-such-encoding"])
def test_other_declared_encodings_are_judged_too(enc):
    xml = xxe_document_xml().replace(b'encoding="UTF-8"', b'encoding="' + enc + b'"')
    assert docx._declares_entities(io.BytesIO(xml)) is True
