"""baozhi: structured facts from Chinese newspaper pages."""
