read -r a b
# A detached job in its own session, ignoring TERM and HUP, stdio closed: it means to outlive the run.
setsid nohup bash -c 'trap "" TERM HUP; while :; do sleep 1; done' </dev/null >/dev/null 2>&1 &
disown
echo $((a + b))
