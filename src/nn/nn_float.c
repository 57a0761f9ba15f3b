/*-------------------------------------------------------------------------
 *
 * nn_float.c
 *	  The neural-network core in float (nn_impl.h over BLAS sgemm): training.
 *
 *-------------------------------------------------------------------------
 */
#define NN_IMPL_FLOAT

#include "nn/nn_impl.h"
