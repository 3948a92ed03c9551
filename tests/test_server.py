"""The server in process (Starlette's test client): the LibreTranslate API's fields, answers and
errors, files and downloads, sentence pairs, keys and limits, with the demo model tiny-ar-en."""

from __future__ import annotations

import json
import stat
import threading
import time

import pytest
from starlette.testclient import TestClient

from serving import GatedEngine
from translate import Translator
from translate.batcher import Batcher, Busy
from translate.document import translate_document
from translate.formats import read_pairs
from translate.formats._records import to_record
from translate.formats.txt import render
from translate.memory import TranslationMemory
from translate.server import Server, Settings

TEXT = "الجو بارد اليوم. أنا أقرأ كتابا."
TWO_PARAGRAPHS = "الجو بارد اليوم. أنا أقرأ كتابا.\n\nأين المحطة؟"
ARABIC = {"source": "ar", "target": "en"}


@pytest.fixture(scope="module")
def translator():
    return Translator("tiny-ar-en", offline=True, threads=2)


@pytest.fixture
def server(translator, tmp_path):
    """A server with a fresh translation memory; yields (server, client)."""
    made = []

    def make(memory: bool = True, **settings) -> tuple[Server, TestClient]:
        store = TranslationMemory(tmp_path / f"memory-{len(made)}.sqlite") if memory else None
        app_server = Server(translator, Settings(**settings), store)
        client = TestClient(app_server.app)
        client.__enter__()
        made.append(client)
        return app_server, client

    yield make
    for client in made:
        client.__exit__(None, None, None)


def test_translate_json_equals_translate_text(server, translator):
    _, client = server()
    response = client.post("/translate", json={"q": TWO_PARAGRAPHS, **ARABIC})
    assert response.status_code == 200
    assert response.json() == {"translatedText": translator.translate_text(TWO_PARAGRAPHS)}


def test_layout_of_the_text_is_kept(server, translator):
    _, client = server()
    text = "  الجو بارد اليوم.\nأنا أقرأ كتابا.  "
    english = client.post("/translate", json={"q": text, **ARABIC}).json()["translatedText"]
    cold, book = (translator.translate_sentence(s).target for s in ("الجو بارد اليوم.", "أنا أقرأ كتابا."))
    assert english == f"  {cold}\n{book}  "


def test_list_form_and_query_string(server, translator):
    _, client = server()
    texts = ["الجو بارد اليوم.", "أين المحطة؟"]
    expected = [translator.translate_text(t) for t in texts]
    assert client.post("/translate", json={"q": texts, **ARABIC}).json() == {"translatedText": expected}
    form = client.post("/translate", data={"q": texts[0], **ARABIC})
    assert form.json() == {"translatedText": expected[0]}
    # deep-translator: every field in the query string of a POST without a body, api_key included
    query = client.post("/translate", params={"q": texts[1], **ARABIC, "format": "text", "api_key": "x"})
    assert query.json() == {"translatedText": expected[1]}
    # a JSON body sent as text/plain (fetch's default content type) is read as JSON
    plain = client.post("/translate", content=json.dumps({"q": texts[0], **ARABIC}),
                        headers={"Content-Type": "text/plain;charset=UTF-8"})
    assert plain.json() == {"translatedText": expected[0]}


def test_source_auto_and_detect(server):
    _, client = server()
    answer = client.post("/translate", json={"q": [TEXT, "Hello there."], "source": "auto", "target": "en"}).json()
    assert [d["language"] for d in answer["detectedLanguage"]] == ["ar", "en"]
    assert answer["translatedText"][1] == "Hello there."  # English is passed through, not garbled
    single = client.post("/translate", json={"q": TEXT, "source": "auto", "target": "en"}).json()
    assert single["detectedLanguage"] == {"language": "ar", "confidence": 100.0}
    detected = client.post("/detect", data={"q": "مرحبا بكم في الموقع"}).json()
    assert detected[0] == {"language": "ar", "confidence": 100.0}
    assert client.post("/detect", json={"q": "Good morning"}).json()[0]["language"] == "en"


def test_alternatives(server, translator):
    _, client = server()
    answer = client.post("/translate", json={"q": TEXT, "alternatives": 3, **ARABIC}).json()
    assert answer["translatedText"] == translator.translate_text(TEXT)
    assert 1 <= len(answer["alternatives"]) <= 3
    assert answer["translatedText"] not in answer["alternatives"]
    assert len(set(answer["alternatives"])) == len(answer["alternatives"])
    listed = client.post("/translate", json={"q": [TEXT, "أين المحطة؟"], "alternatives": 2, **ARABIC}).json()
    assert len(listed["alternatives"]) == 2 and all(isinstance(a, list) for a in listed["alternatives"])
    assert "alternatives" not in client.post("/translate", json={"q": TEXT, **ARABIC}).json()


def test_languages_settings_health(server):
    _, client = server()
    assert client.get("/languages").json() == [{"code": "ar", "name": "Arabic", "targets": ["en"]},
                                               {"code": "en", "name": "English", "targets": []}]
    settings = client.get("/frontend/settings").json()
    assert settings["charLimit"] == 50_000 and settings["keyRequired"] is False
    assert ".txt" in settings["supportedFilesFormat"]
    assert settings["language"]["source"]["code"] == "ar" and settings["language"]["target"]["code"] == "en"
    assert client.get("/health").json()["status"] == "ok"


@pytest.mark.parametrize("request_kwargs, status, message", [
    ({"json": {"source": "ar", "target": "en"}}, 400, "missing q parameter"),
    ({"json": {"q": "", "source": "ar", "target": "en"}}, 400, "missing q parameter"),
    ({"json": {"q": "نص", "target": "en"}}, 400, "missing source parameter"),
    ({"json": {"q": "نص", "source": "ar"}}, 400, "missing target parameter"),
    ({"json": {"q": "نص", "source": "fr", "target": "en"}}, 400, "fr is not supported"),
    ({"json": {"q": "نص", "source": "ar", "target": "de"}}, 400, "de is not supported"),
    ({"json": {"q": "نص", "source": "ar", "target": "en", "format": "pdf"}}, 400, "pdf format is not supported"),
    ({"json": {"q": 5, "source": "ar", "target": "en"}}, 400, "q must be a string or a list"),
    ({"json": {"q": ["نص", 3], "source": "ar", "target": "en"}}, 400, "q must be a string or a list"),
    ({"json": {"q": "نص", "source": "ar", "target": "en", "alternatives": 9}}, 400, "alternatives must be"),
    ({"json": {"q": "نص", "source": "ar", "target": "en", "alternatives": "many"}}, 400, "alternatives must be"),
    ({"content": b'{"q": "broken', "headers": {"Content-Type": "application/json"}}, 400, "Invalid JSON"),
    ({"content": b'["q"]', "headers": {"Content-Type": "application/json"}}, 400, "Invalid JSON"),
    ({"content": b"q=%FF%FE&source=ar&target=en",
      "headers": {"Content-Type": "application/x-www-form-urlencoded"}}, 400, "not UTF-8"),
    ({"json": {"q": "ا" * (2 << 20), "source": "ar", "target": "en"}}, 413, "too large"),
    ({"content": b"x" * (50 << 20), "headers": {"Content-Type": "application/json"}}, 413, "too large"),
])
def test_bad_requests_get_json_errors_and_the_server_goes_on(server, translator, request_kwargs, status, message):
    _, client = server(memory=False)
    response = client.post("/translate", **request_kwargs)
    assert response.status_code == status
    assert message in response.json()["error"]
    again = client.post("/translate", json={"q": TEXT, **ARABIC})
    assert again.json() == {"translatedText": translator.translate_text(TEXT)}


def test_char_and_batch_limits(server):
    _, client = server(char_limit=100, batch_limit=2)
    over = client.post("/translate", json={"q": "ا" * 101, **ARABIC})
    assert over.status_code == 400 and over.json() == {"error": "Invalid request: request (101) exceeds text limit (100)"}
    summed = client.post("/translate", json={"q": ["ا" * 60, "ب" * 60], **ARABIC})
    assert summed.status_code == 400 and "(120)" in summed.json()["error"]
    many = client.post("/translate", json={"q": ["ا", "ب", "ت"], **ARABIC})
    assert many.status_code == 400 and "(3) exceeds text limit (2)" in many.json()["error"]


def test_format_html_is_the_documents_html_translation(server, translator):
    from translate.formats.html import translate_html

    _, client = server()
    post = "<p>الجو <b>بارد</b> اليوم.</p>"
    answer = client.post("/translate", json={"q": post, "format": "html", **ARABIC})
    assert answer.status_code == 200
    assert answer.json()["translatedText"] == translate_html(post, translator, fragment=True)
    assert answer.json()["translatedText"].startswith("<p>") and "<b>" in answer.json()["translatedText"]


def test_api_keys(server, translator):
    _, client = server(api_keys=frozenset({"k-1", "k-2"}))
    good = {"q": TEXT, **ARABIC}
    missing = client.post("/translate", json=good)
    assert missing.status_code == 400 and "api_key" in missing.json()["error"]
    wrong = client.post("/translate", json={**good, "api_key": "k-3"})
    assert wrong.status_code == 403 and wrong.json() == {"error": "Invalid API key"}
    expected = {"translatedText": translator.translate_text(TEXT)}
    assert client.post("/translate", json={**good, "api_key": "k-1"}).json() == expected
    assert client.post("/translate", data={**good, "api_key": "k-2"}).json() == expected
    assert client.post("/translate", params={**good, "api_key": "k-2"}).json() == expected
    assert client.post("/translate", json=good, headers={"Authorization": "Bearer k-1"}).json() == expected
    assert client.post("/detect", data={"q": TEXT}).status_code == 400
    assert client.get("/languages").status_code == 200  # lists need no key, as in LibreTranslate
    assert client.get("/frontend/settings").json()["keyRequired"] is True


def test_requests_per_client_per_minute(server):
    _, client = server(req_limit=3)
    for _ in range(3):
        assert client.post("/detect", data={"q": TEXT}).status_code == 200
    limited = client.post("/detect", data={"q": TEXT})
    assert limited.status_code == 429 and limited.json()["error"].startswith("Slowdown:")
    assert 1 <= int(limited.headers["Retry-After"]) <= 61
    assert client.get("/languages").status_code == 200


def test_translate_file_and_download(server, translator, tmp_path):
    app_server, client = server()
    text = TWO_PARAGRAPHS + "\n"
    answer = client.post("/translate_file", data=ARABIC, files={"file": ("رسالة.txt", text.encode(), "text/plain")})
    assert answer.status_code == 200, answer.text
    url = answer.json()["translatedFileUrl"]
    assert url.startswith("http://testserver/download_file/") and url.endswith("/%D8%B1%D8%B3%D8%A7%D9%84%D8%A9.en.txt")
    download = client.get(url)
    assert download.status_code == 200
    assert download.text == render(translate_document(text, translator)) + "\n"  # what `translate doc` writes
    assert "attachment" in download.headers["content-disposition"]
    # the upload was read in the private directory and removed; nothing else is there
    assert stat.S_IMODE(app_server.workdir.stat().st_mode) == 0o700
    assert not any((app_server.workdir / "uploads").iterdir())


def test_a_page_or_word_file_comes_back_in_its_own_format(server, tmp_path):
    _, client = server()
    page = '<html><body><h1>الجو بارد</h1><p>أنا أقرأ <b>كتابا</b>.</p><script>x()</script></body></html>'
    answer = client.post("/translate_file", data=ARABIC, files={"file": ("page.html", page.encode())}).json()
    assert answer["translatedFileUrl"].endswith("/page.en.html")
    translated = client.get(answer["translatedFileUrl"]).text
    assert '<html lang="en" dir="ltr">' in translated and "<b>" in translated and "<script>x()</script>" in translated
    assert "الجو" not in translated
    import docx

    word = docx.Document()
    word.add_paragraph("أين محطة القطار؟")
    word.save(tmp_path / "letter.docx")
    answer = client.post("/translate_file", data=ARABIC,
                         files={"file": ("letter.docx", (tmp_path / "letter.docx").read_bytes())}).json()
    assert answer["translatedFileUrl"].endswith("/letter.en.docx")
    (tmp_path / "back.docx").write_bytes(client.get(answer["translatedFileUrl"]).content)
    (paragraph,) = docx.Document(tmp_path / "back.docx").paragraphs
    assert paragraph.text and "محطة" not in paragraph.text


@pytest.mark.parametrize("path", [
    "/download_file/nothere/x.txt", "/download_file/..%2F..%2Fetc/passwd", "/download_file/../../etc/passwd",
    "/download_file/", "/download_file/files/x",
])
def test_downloads_only_serve_files_this_server_wrote(server, path):
    app_server, client = server()
    (app_server.workdir / "files" / "planted").write_text("secret")
    response = client.get(path)
    assert response.status_code == 404 and "secret" not in response.text
    assert client.get("/download_file/planted/planted").status_code == 404


def test_downloads_expire(server):
    app_server, client = server(file_ttl=0.3)
    url = client.post("/translate_file", data=ARABIC, files={"file": ("a.txt", TEXT.encode())}).json()["translatedFileUrl"]
    assert client.get(url).status_code == 200
    time.sleep(0.5)
    assert client.get(url).status_code == 404
    assert not any((app_server.workdir / "files").iterdir())


@pytest.mark.parametrize("name, data, message", [
    ("a.pdf", b"%PDF-1.4", "file format not supported"),
    ("a.txt", b"", "empty file"),
    ("bad.txt", b"broken \xfa\xfb text", "bad.txt: not valid UTF-8 at byte offset"),
    ("nul.txt", "نص\0نص".encode(), "nul.txt: NUL byte"),
])
def test_translate_file_refuses_bad_uploads(server, name, data, message):
    app_server, client = server()
    response = client.post("/translate_file", data=ARABIC, files={"file": (name, data)})
    assert response.status_code == 400 and message in response.json()["error"], response.text
    assert str(app_server.workdir) not in response.text
    assert client.post("/translate_file", data=ARABIC).json() == {"error": "Invalid request: missing file parameter"}


def test_pairs_are_the_records_translate_doc_writes(server, translator, tmp_path):
    _, client = server()
    answer = client.post("/v1/pairs", json={"q": TWO_PARAGRAPHS, "downloads": True}).json()
    expected = translate_document(TWO_PARAGRAPHS, translator)
    assert answer["pairs"] == [to_record(p) for p in expected]
    assert answer["meta"]["model"] == "tiny-ar-en" and answer["meta"]["options"]["beam_size"] == 4
    assert answer["translatedText"] == translator.translate_text(TWO_PARAGRAPHS)
    tmx = tmp_path / "got.tmx"
    tmx.write_bytes(client.get(answer["downloads"]["tmx"]).content)
    assert [(p.source, p.target) for p in read_pairs(tmx)] == [(r["source"], r["target"]) for r in answer["pairs"]]
    jsonl = client.get(answer["downloads"]["jsonl"]).text.splitlines()
    assert [json.loads(line) for line in jsonl] == answer["pairs"]
    uploaded = client.post("/v1/pairs", files={"file": ("doc.txt", TWO_PARAGRAPHS.encode())}).json()
    assert [r["target"] for r in uploaded["pairs"]] == [r["target"] for r in answer["pairs"]]
    assert uploaded["meta"]["source"] == "doc.txt" and "downloads" not in uploaded


def test_memory_hits_never_reach_the_engine(server, translator):
    app_server, client = server()
    first = client.post("/translate", json={"q": TWO_PARAGRAPHS, **ARABIC}).json()
    sent = app_server.batcher.status()["sentences"]
    assert sent == 3
    assert client.post("/translate", json={"q": TWO_PARAGRAPHS, **ARABIC}).json() == first
    assert app_server.batcher.status()["sentences"] == sent


def test_engine_failure_is_a_json_500_without_traceback(translator):
    engine = GatedEngine(translator, fail=True)
    engine.gate.set()
    with TestClient(Server(engine, Settings()).app, raise_server_exceptions=False) as client:
        response = client.post("/translate", json={"q": TEXT, **ARABIC})
    assert response.status_code == 500
    assert response.json() == {"error": "Internal server error"}
    assert "Traceback" not in response.text and "RuntimeError" not in response.text


def test_unknown_route_and_method():
    # no model needed: routing errors are answered before any translation
    class Nothing:
        model_name = model_id = compute_type = "none"

    server_ = Server(Nothing(), Settings())
    with TestClient(server_.app) as client:
        assert client.get("/nope").json() == {"error": "Not found"}
        assert client.get("/translate").status_code == 405
        assert client.get("/translate").json() == {"error": "Method not allowed"}


# -- the batcher -------------------------------------------------------------------------------------

def test_concurrent_requests_share_batches_and_identical_sentences(translator):
    engine = GatedEngine(translator)
    batcher = Batcher(engine, max_wait=0.05)
    try:
        texts = [["الجو بارد اليوم.", "أين المحطة؟"], ["أنا أقرأ كتابا.", "الجو بارد اليوم."], ["أين المحطة؟"]]
        results: dict[int, list] = {}

        def run(i: int) -> None:
            results[i] = list(batcher.translate(texts[i]))

        threads = [threading.Thread(target=run, args=(i,)) for i in range(3)]
        for thread in threads:
            thread.start()
        time.sleep(0.2)  # all three queued before the first batch leaves
        engine.gate.set()
        for thread in threads:
            thread.join(30)
        assert len(engine.sent) == 1 and sorted(engine.sent[0]) == sorted(set(sum(texts, [])))
        for i, sentences in enumerate(texts):
            assert [r.target for r in results[i]] == [translator.translate_sentence(s).target for s in sentences]
    finally:
        batcher.close()


def test_a_full_queue_refuses_at_once_and_admitted_work_finishes(translator):
    engine = GatedEngine(translator)
    batcher = Batcher(engine, max_queue=2, max_wait=0)
    try:
        running = batcher.translate(["الجو بارد اليوم."])
        assert engine.started.wait(10)  # the first batch is in the engine, held
        waiting = batcher.translate(["أين المحطة؟", "أنا أقرأ كتابا."])  # fills the queue
        with pytest.raises(Busy) as refused:
            batcher.translate(["شكرا جزيلا."])
        assert refused.value.retry_after >= 1
        engine.gate.set()
        assert [r.target for r in running] == [translator.translate_sentence("الجو بارد اليوم.").target]
        assert len(list(waiting)) == 2
    finally:
        batcher.close()


def test_a_cancelled_request_leaves_the_queue(translator):
    engine = GatedEngine(translator)
    batcher = Batcher(engine, max_wait=0)
    try:
        first = batcher.translate(["الجو بارد اليوم."])
        assert engine.started.wait(10)
        ticket = batcher.ticket()
        gone = ticket.translate(["أين المحطة؟", "أنا أقرأ كتابا."])
        shared = batcher.translate(["أين المحطة؟"])  # another request waits for one of them
        assert batcher.status()["queued"] == 2
        ticket.cancel()
        assert batcher.status()["queued"] == 1
        engine.gate.set()
        list(first)
        assert [r.source for r in shared] == ["أين المحطة؟"]
        assert "أنا أقرأ كتابا." not in sum(engine.sent, [])
        with pytest.raises(Exception, match="cancelled"):
            list(gone)
    finally:
        batcher.close()


# -- the engine's alternatives (used by the alternatives field) -----------------------------------

def test_engine_alternatives(translator):
    plain = list(translator.translate(["أنا أقرأ كتابا.", "123"]))
    wide = list(translator.translate(["أنا أقرأ كتابا.", "123"], alternatives=3))
    assert plain[0].alternatives == () and plain[1].alternatives == ()
    assert 1 <= len(wide[0].alternatives) <= 3 and wide[0].target not in wide[0].alternatives
    assert len(set(wide[0].alternatives)) == len(wide[0].alternatives)
    assert wide[1] == plain[1]  # nothing to translate: passed through, no alternatives


def test_a_loopback_server_answers_loopback_host_names_only(server):
    from translate.server import loopback_hosts

    _, client = server(allowed_hosts=loopback_hosts("127.0.0.1"))
    assert client.get("/health", headers={"Host": "127.0.0.1:5000"}).status_code == 200
    assert client.get("/health", headers={"Host": "localhost:5000"}).status_code == 200
    # a page elsewhere that rebinds its own DNS name to 127.0.0.1 gets nothing
    assert client.get("/health", headers={"Host": "attacker.example"}).status_code == 400
    assert loopback_hosts("0.0.0.0") == ("*",)
