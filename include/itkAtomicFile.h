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
#ifndef itkAtomicFile_h
#define itkAtomicFile_h

#include "SSIMAutoencoderExport.h"

#include <functional>
#include <string>

namespace itk {
/** \class AtomicFile
 * \brief Writes a file so that readers see either the previous file or the complete new one.
 *
 * The content goes to a hidden temporary file in the target's directory (same file system, the target's
 * extension kept so that ITK's IO factories pick the same format), which is renamed over the target only after
 * the writer returned without error. On any failure the temporary file is removed, the previous target is left
 * untouched and an itk::ExceptionObject naming the target is thrown.
 *
 * A symbolic link is written through (the file it names is replaced and the link kept). An existing target that is a
 * directory or not a regular file (device, pipe, socket) is refused.
 *
 * Formats that write several files (MetaImage `.mhd` + `.raw`, NRRD `.nhdr` + `.raw`, Analyze/NIfTI `.hdr` + `.img`)
 * cannot be renamed as one unit; IsAtomic() tells a caller so, and Write() then writes them in place.
 *
 * \ingroup SSIMAutoencoder
 */
class SSIMAutoencoder_EXPORT AtomicFile
{
public:
  /** The hidden temporary path beside `path`: `<dir>/.<stem>.partial-<random><extension>`. */
  static std::string
  TemporaryPath(const std::string & path);

  /** The file Write() replaces: `path`, or the file a symbolic link at `path` names. Throws itk::ExceptionObject
   * when that is a directory or exists and is not a regular file. */
  static std::string
  ResolveTarget(const std::string & path);

  /** False for the multi-file formats (`.mhd`, `.nhdr`, `.hdr`, `.img`, also gzipped) written in place. */
  static bool
  IsAtomic(const std::string & path);

  /** Calls `write` with the path to write to (the temporary path when IsAtomic(path)), then renames it over
   * `path`. Exceptions from `write` are re-thrown as itk::ExceptionObject with `path` in the description. */
  static void
  Write(const std::string & path, const std::function<void(const std::string & temporaryPath)> & write);

  /** Writes `text` (bytes as given) through Write(). */
  static void
  WriteText(const std::string & path, const std::string & text);
};

} // namespace itk

#endif
