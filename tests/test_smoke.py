def test_home_page_lists_journals(client, make_journal):
    make_journal(title="Journal of Deep Space Exploration")
    response = client.get("/")
    assert response.status_code == 200
    assert "Journal of Deep Space Exploration" in response.get_data(as_text=True)


def test_healthz_reports_database_and_storage(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "storage": "ok"}
