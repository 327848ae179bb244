echo 3
exit 3
