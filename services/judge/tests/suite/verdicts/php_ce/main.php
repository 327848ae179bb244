<?php
echo "a" "b";
