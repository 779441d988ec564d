from django import template

register = template.Library()


@register.inclusion_tag("includes/cite.html", takes_context=True)
def cite(context, obj):
    """Citation numbers for a record's sources, linking to the page's reference list."""
    refs = context.get("refs")
    if refs is None or obj is None:
        return {"refs": []}
    return {"refs": refs.cite(obj.citations.all())}


@register.filter
def get_item(mapping, key):
    return mapping.get(key)
