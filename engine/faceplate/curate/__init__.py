"""Stage 3 building blocks: measurements, rules, decisions, sorts, pose coverage and the review sheet."""
