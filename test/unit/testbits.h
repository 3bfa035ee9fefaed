/*
 * testbits.h
 *	  Helpers shared by the kernel unit tests: a deterministic random
 *	  generator and access to a double's bit pattern.
 */
#ifndef CV_TESTBITS_H
#define CV_TESTBITS_H

#include <stdint.h>
#include <string.h>

/* splitmix64: deterministic 64-bit values for the randomised checks. */
static inline uint64_t
splitmix(uint64_t *s)
{
	uint64_t	z = (*s += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static inline double
bits_to_double(uint64_t bits)
{
	double		d;

	memcpy(&d, &bits, sizeof(d));
	return d;
}

static inline uint64_t
double_to_bits(double d)
{
	uint64_t	bits;

	memcpy(&bits, &d, sizeof(bits));
	return bits;
}

#endif
