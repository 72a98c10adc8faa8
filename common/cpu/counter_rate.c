#include "common/cpu/counter_rate.h"

uint64_t pvh_counter_wait_hz(uint64_t known_hz)
{
    return known_hz ? known_hz : PVH_COUNTER_HZ_BOUND;
}
