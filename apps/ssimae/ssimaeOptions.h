/*=========================================================================
 *
 *  Copyright SSIMAutoencoder contributors
 *
 *  Licensed under the Apache License, Version 2.0 (the "License");
 *  you may not use this file except in compliance with the License.
 *  You may obtain a copy of the License at
 *
 *         http://www.apache.org/licenses/LICENSE-2.0.txt
 *
 *  Unless required by applicable law or agreed to in writing, software
 *  distributed under the License is distributed on an "AS IS" BASIS,
 *  WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 *  See the License for the specific language governing permissions and
 *  limitations under the License.
 *
 *=========================================================================*/
#ifndef ssimaeOptions_h
#define ssimaeOptions_h

#include "ssimaeCommandLine.h"

namespace ssimae {

/** The options of `ssimae train`, `ssimae evaluate` and `ssimae demo`, declared on a parser. Internal to ssimae: the
 * commands use them, and so does the argument parser's fuzz target (apps/ssimae/fuzz). */
void
DeclareTrainOptions(ArgumentParser & arguments);
void
DeclareEvaluateOptions(ArgumentParser & arguments);
void
DeclareDemoOptions(ArgumentParser & arguments);

} // namespace ssimae

#endif
