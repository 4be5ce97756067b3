#pragma once
/// \file check.hpp
/// The cross-check harness: Jacobian comparison and gradient checking.
#include "ad/check/compare.hpp"
#include "ad/check/grad_check.hpp"
