#pragma once
/// \file ops.hpp
/// Arrays (broadcasting, element-wise math, reductions, linear algebra), softmax and friends,
/// and the closed-form softmax derivatives.
#include "ops/array/array.hpp"
#include "ops/array/broadcast.hpp"
#include "ops/array/elementwise.hpp"
#include "ops/array/linalg.hpp"
#include "ops/array/reduce.hpp"
#include "ops/closed_form/softmax.hpp"
#include "ops/softmax/cross_entropy.hpp"
#include "ops/softmax/fused.hpp"
#include "ops/softmax/layer.hpp"
#include "ops/softmax/log_softmax.hpp"
#include "ops/softmax/softmax.hpp"
