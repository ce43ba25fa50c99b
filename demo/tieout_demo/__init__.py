"""The main job: orchestrates the sandbox, the hosts and dbt, then renders the close report from the marts."""
