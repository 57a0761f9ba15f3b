/* The SASRec network in float (training): sasrec_impl.h over sgemm. */
#define NN_IMPL_FLOAT
#include "models/deep/sasrec_impl.h"
