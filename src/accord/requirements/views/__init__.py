"""Requirement pages, one module per area: listing (list, tree, forms, bulk actions), detail
(a requirement, its versions, diffs, discussion and links), review (client review and
confirmation), baselines, traceability."""
