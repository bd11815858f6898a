-- wrk: POST /api/tasks/me/with-session/nemo_agent with a JSON body (the bearer token is
-- passed with -H on the command line). Used by benchmarks/http_load.py.
wrk.method = "POST"
wrk.body = '{"task_name":"bench","language":"en"}'
wrk.headers["Content-Type"] = "application/json"
