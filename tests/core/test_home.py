def test_home_lists_products(client, make_product, django_user_model):
    make_product("payments-api", name="Payments API")
    client.force_login(django_user_model.objects.create_user("viewer", "viewer@example.com"))
    response = client.get("/")
    assert response.status_code == 200
    assert b"Payments API" in response.content
