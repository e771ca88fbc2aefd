"""The booking domain: entities, rules, ports and use cases. Pure: attrs and the stdlib only."""
