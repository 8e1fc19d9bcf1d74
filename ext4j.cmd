@echo off
rem Runs the ext4j command from a source checkout on Windows, as ext4j does on Linux and macOS:
rem builds the runnable jar first when it is missing, then hands every argument to it.
rem ext4j mount disk.img X:   mounts through WinFsp (install it from https://winfsp.dev/rel/).
setlocal
set "here=%~dp0"
set "jar=%here%dist\target\ext4j.jar"
if exist "%jar%" goto run
where mvn >nul 2>nul
if errorlevel 1 (
    echo ext4j: Maven ^(mvn^) is needed to build the jar: install Maven 3.8+ and a JDK 17+ 1>&2
    exit /b 1
)
echo building ext4j ^(first run^)... 1>&2
pushd "%here%"
call mvn -q -B -DskipTests -pl dist -am package
set "built=%errorlevel%"
popd
if not "%built%"=="0" (
    echo ext4j: the build failed ^(output above^) 1>&2
    exit /b 1
)
:run
where java >nul 2>nul
if errorlevel 1 (
    echo ext4j: Java 17+ is needed ^(java was not found on PATH^) 1>&2
    exit /b 1
)
java -jar "%jar%" %*
exit /b %errorlevel%
