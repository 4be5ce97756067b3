#pragma once
/// \file adiff.hpp
/// Everything: forward duals, the reverse tape, the drivers, arrays and multiprecision.
#include "ad/core/checked.hpp"
#include "ad/core/multiprecision.hpp"
#include "ad/drivers/derivatives.hpp"
#include "ad/drivers/on_shape.hpp"
#include "ad/drivers/gradient.hpp"
#include "ad/drivers/hessian.hpp"
#include "ad/drivers/jacobian.hpp"
#include "ad/errors.hpp"
#include "ad/forward/dual.hpp"
#include "ad/reverse/replay.hpp"
#include "ad/reverse/tape.hpp"
#include "ad/reverse/var.hpp"
#include "ops/array/array.hpp"
#include "ops/ops.hpp"
#include "ops/rules/functions.hpp"
#include "ops/rules/rules.hpp"
