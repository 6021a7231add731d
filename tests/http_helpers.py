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


def post_file(url, token, field, filename, content):
    """POST one file as multipart/form-data with a bearer token; (status, decoded body), errors included."""
    import uuid
    boundary = uuid.uuid4().hex
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


class PageSession:
    """A signed-in browser session over real HTTP (its own cookie jar): page GETs, and form POSTs with the
    CSRF token read off a page. `post` answers (status, HTML) without following a redirect."""

    def __init__(self, server, username):
        import http.cookiejar
        self.server = server
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  _NoRedirect())
        status, _ = self.post("/login", {"username": username, "password": f"{username}-secret",
                                         "csrf_token": self.token("/login")})
        assert status == 302, status

    def get(self, path):
        with self.opener.open(self.server + path, timeout=60) as response:
            return response.read().decode()

    def token(self, path="/inbox"):
        import re
        return re.search(r'name="csrf-token" content="([^"]+)"', self.get(path)).group(1)

    def post(self, path, fields):
        import urllib.parse
        request = urllib.request.Request(self.server + path, data=urllib.parse.urlencode(fields).encode(),
                                         method="POST")
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
