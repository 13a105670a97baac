"""Account value from the CRM (HubSpot): companies synced daily, matched to helpdesk organizations, judged
high-value by the `[crm] high_value` rule (issue 17)."""
