"""Example: list a body's meetings, agenda items, final statements and outcomes through
Consult's read API, with a personal API token (made on "Mijn account").

    CONSULT_API_TOKEN=cst_... python docs/api_example.py https://consult.example.org

Only the standard library. Pages are followed through their `_links.next`.
tests/test_api.py runs this script against a running server.
"""

import json
import os
import sys
import urllib.request


def get(url: str, token: str) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}",
                                                   "Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def every(url: str, name: str, token: str):
    """All items of a collection, page by page."""
    while url:
        page = get(url, token)
        yield from page["_embedded"][name]
        url = (page["_links"].get("next") or {}).get("href")


def main(base_url: str, token: str, since: str | None = None) -> None:
    api = base_url.rstrip("/") + "/api/v1"
    labels = {}  # agenda item id -> "3A. Jaarplan GGU 2027"
    for body in every(f"{api}/overleggen", "overleggen", token):
        print(f"# {body['naam']}")
        meetings = body["_links"]["vergaderingen"]["href"] + (f"?vanaf={since}" if since else "")
        for meeting in every(meetings, "vergaderingen", token):
            print(f"## Vergadering {meeting['begint'][:10]} ({meeting['status']})")
            for item in every(meeting["_links"]["agendapunten"]["href"], "agendapunten", token):
                labels[item["id"]] = f"{item['nummer']}. {item['titel']}"
                print(f"- {labels[item['id']]}")
        for statement in every(body["_links"]["standpunten"]["href"], "standpunten", token):
            if statement["status"] == "definitief":
                item = labels.get(statement["agendapuntId"], statement["agendapuntId"])
                print(f"{body['standpuntLabel']} bij {item}: {statement['tekst']}")
        for outcome in every(body["_links"]["uitkomsten"]["href"], "uitkomsten", token):
            item = labels.get(outcome["agendapuntId"], outcome["agendapuntId"])
            print(f"{body['uitkomstLabel']} bij {item}: {outcome['tekst']}")


if __name__ == "__main__":
    if len(sys.argv) < 2 or "CONSULT_API_TOKEN" not in os.environ:
        sys.exit("gebruik: CONSULT_API_TOKEN=cst_... python docs/api_example.py BASIS-URL [VANAF]")
    main(sys.argv[1], os.environ["CONSULT_API_TOKEN"], sys.argv[2] if len(sys.argv) > 2 else None)
