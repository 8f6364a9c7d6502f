"""Risk pages: register, heat map, detail, forms, reviews, actions, the organisation view."""
