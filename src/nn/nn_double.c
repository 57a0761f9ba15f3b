/*-------------------------------------------------------------------------
 *
 * nn_double.c
 *	  The neural-network core in double (nn_impl.h over BLAS dgemm): gradient
 *	  checks, the PyTorch peer test and integrated gradients.
 *
 *-------------------------------------------------------------------------
 */

#include "nn/nn_impl.h"
