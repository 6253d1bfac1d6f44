/**
 * pynb-dag-runner: run a DAG of Jupyter notebooks, log every run as files, and publish the runs
 * as a static website.
 *
 * @module
 */
