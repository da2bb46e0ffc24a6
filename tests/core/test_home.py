def test_home_lists_products(client, make_product):
    make_product("payments-api", name="Payments API")
    response = client.get("/")
    assert response.status_code == 200
    assert b"Payments API" in response.content
