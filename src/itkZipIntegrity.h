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
#ifndef itkZipIntegrity_h
#define itkZipIntegrity_h

#include <string>

namespace itk {

/** Checks the structure of a zip archive held in `bytes` (LibTorch's model, checkpoint and TorchScript files) and the
 * CRC-32 of every stored record against its central directory entry. LibTorch checks neither before it parses the
 * records (a damaged file can crash or exhaust memory inside LibTorch's TorchScript parser), so files are checked
 * here first. Returns an empty string when the archive is intact, otherwise what is wrong. Internal to the library. */
std::string
ZipIntegrityProblem(const std::string & bytes);

/** The bytes of the zip archive file `path`, read whole and checked with ZipIntegrityProblem(); std::runtime_error
 * saying what is wrong ("cannot be read", "is damaged: ...") otherwise, for the caller to name the file. */
std::string
ReadIntactZipFile(const std::string & path);

} // namespace itk

#endif
