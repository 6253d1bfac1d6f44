"""The original pynb-dag-runner's ``pynb_dag_runner.tasks`` package (its notebook logger only)."""
