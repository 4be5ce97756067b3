#pragma once
/// \file check.hpp
/// The cross-check harness: Jacobian comparison, gradient checking and the verdict on a claimed
/// Jacobian (check_claim).
#include "ad/check/claim.hpp"
#include "ad/check/compare.hpp"
#include "ad/check/grad_check.hpp"
