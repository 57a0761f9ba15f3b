/* The SASRec network in double (checks, serving): sasrec_impl.h over dgemm. */
#include "models/deep/sasrec_impl.h"
