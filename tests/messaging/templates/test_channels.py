"""Each channel's rendered content is the shape the outbox and its adapters expect."""

from tests.messaging.templates.conftest import Api
from unison.messaging.templates import whatsapp_content

EVENT = {"event": "Order Shipped", "properties": {"order_id": "A-1", "tracking": "TRK 9"}}


class TestChannelContent:
    def test_email_text_is_generated_from_html(self, api: Api) -> None:
        pid = api.customer("u1", first_name="Ana")
        html = (
            "<html><head><title>t</title><style>p{color:red}</style></head><body>"
            "<h1>Hello {{ traits.first_name }}</h1><p>Your order &amp; more:<br>"
            "<a href='https://shop.example/o/1'>track it</a></p>"
            "<ul><li>Tea</li><li>Coffee</li></ul><script>alert(1)</script></body></html>"
        )
        template = api.create("email", {"en": {"subject": "s", "html": html}})
        content = api.rendered(template["id"], pid)["content"]
        assert content["text"] == (
            "Hello Ana\n\nYour order & more:\ntrack it (https://shop.example/o/1)"
            "\n\n- Tea\n- Coffee"
        )

    def test_html_parts_are_autoescaped_and_text_parts_are_not(self, api: Api) -> None:
        pid = api.customer("u2", first_name="<script>x</script> & Co")
        parts = {
            "subject": "{{ traits.first_name }}",
            "html": "<p>{{ traits.first_name }}</p>",
            "text": "{{ traits.first_name }}",
        }
        content = api.rendered(api.create("email", {"en": parts})["id"], pid)["content"]
        assert content["html"] == "<p>&lt;script&gt;x&lt;/script&gt; &amp; Co</p>"
        assert content["subject"] == content["text"] == "<script>x</script> & Co"

    def test_telegram_text_inline_keyboard_and_image(self, api: Api) -> None:
        pid = api.customer("u3")
        parts = {
            "text": "Order {{ event.properties.order_id }} shipped",
            "image_url": "https://cdn.example/{{ event.properties.order_id }}.png",
            "buttons": [
                [
                    {
                        "text": "Track",
                        "url": "https://t.example/{{ event.properties.tracking | urlencode }}",
                    }
                ],
                [{"text": "Stop", "callback_data": "stop:{{ profile.id }}"}],
            ],
        }
        template = api.create("telegram", {"en": parts})
        assert api.rendered(template["id"], pid, event=EVENT)["content"] == {
            "text": "Order A-1 shipped",
            "image_url": "https://cdn.example/A-1.png",
            "buttons": [
                [{"text": "Track", "url": "https://t.example/TRK%209"}],
                [{"text": "Stop", "callback_data": f"stop:{pid}"}],
            ],
        }

    def test_viber_buttons_are_one_list(self, api: Api) -> None:
        pid = api.customer("u4")
        parts = {"text": "Hi", "buttons": [{"text": "Shop", "url": "https://s.example"}]}
        content = api.rendered(api.create("viber", {"en": parts})["id"], pid)["content"]
        assert content == {
            "text": "Hi",
            "buttons": [{"text": "Shop", "url": "https://s.example"}],
            "image_url": None,
        }

    def test_whatsapp_free_text_and_an_approved_template_reference(self, api: Api) -> None:
        pid = api.customer("u5", first_name="Giorgi")
        parts = {
            "text": "Hi {{ traits.first_name }}",
            "template": {
                "name": "order_shipped",
                "header": ["{{ event.properties.order_id }}"],
                "body": ["{{ traits.first_name }}", "{{ event.properties.tracking }}"],
            },
        }
        template = api.create("whatsapp", {"ka": parts})
        assert api.rendered(template["id"], pid, event=EVENT)["content"] == {
            "text": "Hi Giorgi",
            "template": {
                "name": "order_shipped",
                "language": "ka",
                "components": [
                    {"type": "header", "parameters": [{"type": "text", "text": "A-1"}]},
                    {
                        "type": "body",
                        "parameters": [
                            {"type": "text", "text": "Giorgi"},
                            {"type": "text", "text": "TRK 9"},
                        ],
                    },
                ],
            },
        }

    def test_push_title_body_and_string_data(self, api: Api) -> None:
        pid = api.customer("u6")
        parts = {
            "title": "Shipped",
            "body": "Order {{ event.properties.order_id }}",
            "data": {"order": "{{ event.properties.order_id }}", "screen": "orders"},
        }
        content = api.rendered(api.create("push", {"en": parts})["id"], pid, event=EVENT)["content"]
        assert content == {
            "title": "Shipped",
            "body": "Order A-1",
            "data": {"order": "A-1", "screen": "orders"},
        }

    def test_webhook_json_keeps_its_types_and_renders_its_strings(self, api: Api) -> None:
        pid = api.customer("u7")
        body = {
            "order": "{{ event.properties.order_id }}",
            "n": 3,
            "ok": True,
            "tags": ["{{ locale }}"],
        }
        parts = {"url": "https://hooks.example/{{ profile.id }}", "json": body}
        content = api.rendered(api.create("webhook", {"en": parts})["id"], pid, event=EVENT)[
            "content"
        ]
        assert content == {
            "url": f"https://hooks.example/{pid}",
            "json": {"order": "A-1", "n": 3, "ok": True, "tags": ["en"]},
        }

    def test_whatsapp_keeps_the_form_the_window_allows(self) -> None:
        both = {"text": "t", "template": {"name": "n", "language": "en", "components": []}}
        assert whatsapp_content(both, in_window=True) == {"text": "t"}
        assert whatsapp_content(both, in_window=False) == {"template": both["template"]}
        only_text = {"text": "t"}
        assert whatsapp_content(only_text, in_window=False) == {}
        only_template = {"template": both["template"]}
        assert whatsapp_content(only_template, in_window=True) == only_template
