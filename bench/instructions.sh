#!/bin/sh
# Instructions per authenticated GET (callgrind): the difference of two runs, divided by the extra requests.
# Usage: bench/instructions.sh [style] [requests] [throttle rate, "" for off] [endpoint get|list|post]
#        (from the project root; valgrind)
style=${1:-custom}
n=${2:-300}
rate=${3-100000/min}
endpoint=${4:-get}
total() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null .venv/bin/python bench/hotpath.py --endpoint "$endpoint" --style "$style" --requests "$1" --throttle "$rate" 2>&1 \
        | sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
}
base=$(total 0)
more=$(total "$n")
echo "$endpoint $style: $(( (more - base) / n )) instructions per request"
