"""CRM clients: companies with the account properties a team chose (HubSpot CRM v3)."""
