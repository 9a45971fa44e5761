"""First run: creating the organization and its administrator from the web app on a
fresh install (no organization yet), once. ``balcao org create`` stays for scripts;
both go through app.auth.services.record_organization."""
