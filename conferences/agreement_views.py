"""Agreement and agreement-item pages, including the partners' view of the items they supervise."""
