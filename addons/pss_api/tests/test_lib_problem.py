"""Problem documents (RFC 9457), without a database."""

import json

from odoo.tests import BaseCase

from odoo.addons.pss_api.lib.problem import (
    MEDIA_TYPE,
    PROBLEMS,
    ApiProblem,
    problem_document,
    problem_type,
)


class TestLibProblem(BaseCase):
    def test_document_has_the_rfc_9457_members_and_field_errors(self):
        document = problem_document(
            422, "validation-failed", "2 errors", [{"path": "data.x", "message": "bad"}]
        )
        assert document == {
            "type": problem_type("validation-failed"),
            "title": "Validation failed",
            "status": 422,
            "detail": "2 errors",
            "errors": [{"path": "data.x", "message": "bad"}],
        }
        assert document["type"].endswith("/docs/API.md#validation-failed")

    def test_slug_defaults_from_the_status_and_errors_default_to_a_list(self):
        document = problem_document(429)
        assert document["type"].endswith("#rate-limited")
        assert document["errors"] == []
        assert "detail" not in document

    def test_every_slug_has_a_status_and_title(self):
        for slug, (status, title) in PROBLEMS.items():
            assert 400 <= status < 600, slug
            assert title

    def test_exception_answers_problem_json_with_extra_headers(self):
        problem = ApiProblem(
            429, "rate-limited", "slow down", headers={"Retry-After": 30}
        )
        response = problem.get_response()
        assert response.status_code == 429
        assert response.headers["Content-Type"] == MEDIA_TYPE
        assert response.headers["Retry-After"] == "30"
        assert response.headers["Cache-Control"] == "no-store"
        body = json.loads(response.get_data())
        assert body["status"] == 429
        assert body["detail"] == "slow down"
        assert int(response.headers["Content-Length"]) == len(response.get_data())

    def test_non_ascii_detail_keeps_a_correct_content_length(self):
        response = ApiProblem(422, detail="entité «Zürich» inconnue").get_response()
        assert int(response.headers["Content-Length"]) == len(response.get_data())
        assert json.loads(response.get_data())["detail"] == "entité «Zürich» inconnue"
