"""The fast widget renderer writes the same HTML as Django's widget templates."""

from __future__ import annotations

import datetime as dt
from unittest import mock

from django import forms
from django.forms.renderers import DjangoTemplates
from django.test import SimpleTestCase

from accord.core.forms_rendering import FastWidgetRenderer


class Sample(forms.Form):
    title = forms.CharField(max_length=20, required=True, help_text="A <b>title</b>")
    count = forms.IntegerField(min_value=0, required=False)
    email = forms.EmailField(required=False)
    when = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    q = forms.CharField(required=False, widget=forms.TextInput(attrs={"type": "search"}))
    secret = forms.CharField(required=False, widget=forms.PasswordInput)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    status = forms.ChoiceField(choices=[("", "All"), ("a", "A & <b>"), ("b", 'B "quoted"')])
    many = forms.MultipleChoiceField(choices=[("x", "X"), ("y", "Y")], required=False)
    grouped = forms.ChoiceField(
        choices=[("Fruit", [("apple", "Apple"), ("pear", "Pear")]), ("other", "Other")]
    )
    agree = forms.BooleanField(required=False)
    notes = forms.CharField(required=False, widget=forms.Textarea)


DATA = {
    "title": 'Say "hi" <script>',
    "count": "3",
    "when": dt.date(2026, 11, 27).isoformat(),
    "q": "R12 & more",
    "status": "a",
    "many": ["x", "y"],
    "grouped": "pear",
    "agree": "on",
    "notes": "<b>x</b>",
}


class FastWidgetRendererTests(SimpleTestCase):
    def render_both(self, form_class, **kwargs) -> tuple[str, str]:
        slow = form_class(renderer=DjangoTemplates(), **kwargs)
        fast = form_class(renderer=FastWidgetRenderer(), **kwargs)
        return str(slow.as_div()), str(fast.as_div())

    def test_unbound_form_renders_the_same(self) -> None:
        slow, fast = self.render_both(Sample)
        self.assertHTMLEqual(fast, slow)

    def test_bound_form_with_errors_and_escaping_renders_the_same(self) -> None:
        slow, fast = self.render_both(Sample, data=DATA)
        self.assertHTMLEqual(fast, slow)
        self.assertIn("&lt;script&gt;", fast)
        self.assertIn('<option value="a" selected>A &amp; &lt;b&gt;</option>', fast)

    def test_initial_values_render_the_same(self) -> None:
        slow, fast = self.render_both(Sample, initial={"status": "b", "version": 4, "many": ["y"]})
        self.assertHTMLEqual(fast, slow)
        self.assertIn('name="version" value="4"', fast)

    def test_inputs_and_selects_skip_the_template_engine(self) -> None:
        rendered: list[str] = []
        original = DjangoTemplates.render

        def spy(renderer, template_name, context, request=None):
            rendered.append(template_name)
            return original(renderer, template_name, context, request=request)

        with mock.patch.object(DjangoTemplates, "render", spy):
            str(Sample(renderer=FastWidgetRenderer(), data=DATA).as_div())
        widget_templates = [name for name in rendered if "/widgets/" in name]
        # Only the checkbox and the textarea still go through their templates.
        self.assertEqual(
            sorted(widget_templates),
            ["django/forms/widgets/checkbox.html", "django/forms/widgets/textarea.html"],
        )
