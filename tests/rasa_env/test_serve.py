"""Starting Rasa's server with the HTTP API behind the token."""

from __future__ import annotations

import unittest

from rasa.__main__ import create_argument_parser

from clinic_nlu.server.serve import api_arguments


class ApiTokenTest(unittest.TestCase):
    def test_rasa_reads_a_token_that_starts_with_a_dash(self) -> None:
        token = "-Jx9_generated-token"
        parsed = create_argument_parser().parse_args(["run", *api_arguments(token)])
        self.assertTrue(parsed.enable_api)
        self.assertEqual(parsed.auth_token, token)


if __name__ == "__main__":
    unittest.main()
