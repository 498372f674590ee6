"""The accessibility check itself finds what it should: a page with known faults fails it."""


def test_the_check_finds_an_image_without_text_and_a_field_without_a_label(browser, serious_violations):
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.set_content('<html lang="en"><title>t</title><main><img src="x.png"><input type="text"></main></html>')

    found = {v["id"] for v in serious_violations(page)}

    context.close()
    assert {"image-alt", "label"} <= found
