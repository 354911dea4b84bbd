"""Stage 5: extraction of facts, directives, entities and consistency checks (rule baseline)."""
