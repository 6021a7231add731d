"""A real HTTP client for the concurrency tests: JSON POSTs to a served instance from several threads."""
import json
import urllib.error
import urllib.request


def post_json(url, token, body):
    """POST `body` as JSON (with a bearer token when given); (status, decoded body), errors included."""
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())
